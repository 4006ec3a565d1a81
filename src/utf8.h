/*
 * utf8.h: decoding, encoding, stepping, validating and the display width
 * of UTF-8 (RFC 3629).  Standalone: never includes agentos.h, so it is
 * unit-tested alone.
 *
 * Invalid input (a stray continuation byte, an overlong form, a surrogate
 * U+D800-U+DFFF, a value past U+10FFFF, a sequence cut short by the end of
 * the input) always decodes as U+FFFD using exactly one byte, so every loop
 * over any input makes progress and resynchronises on the next byte.
 */
#ifndef UTF8_H
#define UTF8_H

#include <stddef.h>
#include <stdint.h>

/* The replacement character, what invalid input decodes as. */
#define UTF8_REPLACEMENT	0xfffd

/*
 * Decode the character at s (len bytes available) into *wc and return the
 * bytes it used (1-4); 0 (and *wc 0) when len is 0.
 */
size_t	 utf8_decode(const char *s, size_t len, uint32_t *wc);
/*
 * Encode wc into out (room for 4 bytes); returns the length (1-4).  A
 * surrogate or a value past U+10FFFF is encoded as U+FFFD.
 */
size_t	 utf8_encode(uint32_t wc, char *out);
/*
 * Bytes of the valid character at s (1-4), or 0 when s starts an invalid or
 * truncated sequence (or len is 0).
 */
size_t	 utf8_valid_len(const char *s, size_t len);
/* Whether all len bytes of s are valid UTF-8. */
int	 utf8_valid(const char *s, size_t len);
/*
 * The offset of the character after the one at off in s (len bytes), as
 * utf8_decode steps; len when off >= len.
 */
size_t	 utf8_next(const char *s, size_t len, size_t off);
/*
 * The offset of the start of the character before off: back over at most
 * three continuation bytes to a byte that starts a sequence reaching off;
 * a lone continuation byte is its own character.  0 when off is 0.
 */
size_t	 utf8_prev(const char *s, size_t off);
/*
 * Display width of wc in terminal columns: 0 for combining marks and other
 * zero-width characters, 2 for wide (East Asian) characters, 1 otherwise;
 * control characters count 1 (the views draw them as a visible
 * replacement).  Uses wcwidth(3): the locale must be UTF-8 (ui_run makes
 * sure of it).
 */
int	 utf8_width(uint32_t wc);
/* Display width of len bytes of s in columns (as the views draw them). */
int	 utf8_strwidth(const char *s, size_t len);

/*
 * Repair JSON text that jansson would refuse only because of its strings:
 * copy len bytes of s to out (room for 3 * len bytes) with each \u0000
 * escape, each unpaired surrogate escape (\ud800 with no low half, or a
 * lone \udc00) replaced by \ufffd, and each invalid UTF-8 byte by the
 * three bytes of U+FFFD (RFC 8259 section 8.2 allows both forms; jansson
 * rejects them).  An escaped backslash is copied whole, so "\\u0000" is
 * left alone.  Returns the bytes written to out; *fixed (may be NULL) is
 * set to the number of replacements.  Never fails.
 */
size_t	 utf8_json_repair(const char *s, size_t len, char *out,
	    size_t *fixed);
/*
 * Copy len bytes of s to out (room for 3 * len bytes) without terminal
 * control sequences, so text from a model can be printed to a terminal
 * (ECMA-48): ESC and the sequence it starts (CSI up to its final byte;
 * OSC, DCS, SOS, PM and APC up to BEL or ST; other escapes up to their
 * final byte), the C1 controls U+0080-U+009F (CSI and OSC introducers
 * with their sequences), DEL and every C0 control but newline and tab.
 * Invalid UTF-8 becomes U+FFFD.  Returns the bytes written.
 */
size_t	 utf8_strip_controls(const char *s, size_t len, char *out);

#endif
