#!/bin/sh
# TUI: images in the prompt.  A pasted path to a PNG shows as one
# placeholder unit and is sent as an image block (Anthropic base64 source,
# OpenAI image_url data URL); a text file named .png is refused; C-v reads
# the clipboard through xclip (a fake one on PATH) and says so when it
# holds no image; the bytes are stored once (0600) and a continued session
# sends them again.
. "$(dirname "$0")/lib.sh"
make_repo
python3 - "$T_REPO/shot.png" "$T_TMP/clip.png" <<'PY' || hard "png"
import struct, sys, zlib
def png(w, h, rgb):
    raw = b"".join(b"\0" + rgb * w for _ in range(h))
    def ch(t, d):
        return (struct.pack(">I", len(d)) + t + d +
                struct.pack(">I", zlib.crc32(t + d) & 0xffffffff))
    return (b"\x89PNG\r\n\x1a\n" +
            ch(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)) +
            ch(b"IDAT", zlib.compress(raw)) + ch(b"IEND", b""))
open(sys.argv[1], "wb").write(png(80, 60, b"\xff\x00\x00"))
open(sys.argv[2], "wb").write(png(32, 16, b"\x00\x00\xff"))
PY
printf 'just text\n' > "$T_REPO/fake.png"
# The fake xclip: the clipboard's PNG, or nothing once noimg exists.
mkdir -p "$T_TMP/bin"
cat > "$T_TMP/bin/xclip" <<SH
#!/bin/sh
echo "\$*" >> "$T_TMP/xclip.args"
[ -e "$T_TMP/noimg" ] && { echo "Error: target image/png not available" >&2; exit 1; }
exec cat "$T_TMP/clip.png"
SH
chmod +x "$T_TMP/bin/xclip"
export PATH="$T_TMP/bin:$PATH"
unset WAYLAND_DISPLAY
cat > "$T_TMP/script.json" <<'J'
[{"text": "ANSWER-ONE"}, {"text": "ANSWER-TWO"}, {"text": "ANSWER-THREE"},
 {"text": "ANSWER-FOUR"}, {"text": "ANSWER-FIVE"}]
J
start_provider --script "$T_TMP/script.json"
start_agentos --base-url "http://127.0.0.1:$T_PORT"
wait_for '/help for keys'

# 1. A pasted path: one unit, sent as an Anthropic image block.
printf '%s' "$T_REPO/shot.png" > "$T_TMP/paste"
tmux -L "$T_SOCK" load-buffer -b p "$T_TMP/paste" || hard "load-buffer"
send_keys -l 'look at '
tmux -L "$T_SOCK" paste-buffer -p -b p -t main
wait_for '> look at \[image 1: shot\.png 1 KB 80x60\]'
send_keys -l ' please'
send_keys Left Left Left Left Left Left Left Left
send_keys -l 'X'
wait_for 'look at X\[image 1: shot\.png 1 KB 80x60\] please'
send_keys Enter
wait_for 'ANSWER-ONE'
wait_for 'Attached image 1: shot\.png'
python3 - "$T_PROVIDER_LOG" "$T_REPO/shot.png" <<'PY' || fail "anthropic image"
import base64, json, sys
req = json.loads(open(sys.argv[1]).readlines()[-1])
c = req["messages"][-1]["content"]
img = [b for b in c if b.get("type") == "image"]
assert len(img) == 1, c
src = img[0]["source"]
assert src["type"] == "base64" and src["media_type"] == "image/png", src
assert base64.b64decode(src["data"]) == open(sys.argv[2], "rb").read()
text = "".join(b.get("text", "") for b in c)
assert "look at X [image 1: shot.png] please" in text, text
PY

# 2. A text file named .png is refused and goes as text.
printf '%s' "$T_REPO/fake.png" > "$T_TMP/paste"
tmux -L "$T_SOCK" load-buffer -b p "$T_TMP/paste" || hard "load-buffer"
send_keys -l 'see '
tmux -L "$T_SOCK" paste-buffer -p -b p -t main
wait_for 'fake\.png is not a PNG, JPEG, GIF or WebP image'
screen | grep -q '\[image 1: fake' && fail "a text file became an image"
send_keys Enter
wait_for 'ANSWER-TWO'
python3 - "$T_PROVIDER_LOG" <<'PY' || fail "fake.png sent as an image"
import json, sys
req = json.loads(open(sys.argv[1]).readlines()[-1])
c = req["messages"][-1]["content"]
assert not [b for b in c if b.get("type") == "image"], c
assert "fake.png" in "".join(b.get("text", "") for b in c)
PY

# 3. C-v: the clipboard's image through xclip.
send_keys C-v
wait_for '\[image 1: clipboard 1 KB 32x16\]'
grep -q -- '-selection clipboard -t image/png -o' "$T_TMP/xclip.args" ||
    fail "xclip not asked for image/png: $(cat "$T_TMP/xclip.args")"
send_keys -l ' and this'
send_keys Enter
wait_for 'ANSWER-THREE'
python3 - "$T_PROVIDER_LOG" "$T_TMP/clip.png" <<'PY' || fail "clipboard image"
import base64, json, sys
req = json.loads(open(sys.argv[1]).readlines()[-1])
c = req["messages"][-1]["content"]
img = [b for b in c if b.get("type") == "image"]
assert len(img) == 1, c
assert base64.b64decode(img[0]["source"]["data"]) == open(sys.argv[2], "rb").read()
assert "[image 1: clipboard] and this" in "".join(b.get("text", "") for b in c)
PY
# An empty clipboard is said, and nothing is inserted.
touch "$T_TMP/noimg"
send_keys C-v
wait_for 'The clipboard holds no image \(xclip'
# The bytes are stored once each, private.
n=$(ls .git/agentos/images | wc -l)
[ "$n" -eq 2 ] || fail "image store holds $n files"
for f in .git/agentos/images/*; do
	[ "$(stat -c %a "$f")" = 600 ] || fail "$f is not 0600"
done

# 4. OpenAI, continuing the session: the old images go again, as data URLs.
send_keys C-d
wait_for 'AGENTOS-EXITED 0'
restart_agentos --provider openai --base-url "http://127.0.0.1:$T_PORT/v1" -c
wait_for 'Resumed session'
# As the live session showed it (the user event's "shown").
wait_for 'look at X\[image 1: shot\.png 1 KB 80x60\] please'
printf '%s' "$T_REPO/shot.png" > "$T_TMP/paste"
tmux -L "$T_SOCK" load-buffer -b p "$T_TMP/paste" || hard "load-buffer"
tmux -L "$T_SOCK" paste-buffer -p -b p -t main
wait_for '\[image 1: shot\.png 1 KB 80x60\]'
send_keys Enter
wait_for 'ANSWER-FOUR'
python3 - "$T_PROVIDER_LOG" "$T_REPO/shot.png" "$T_TMP/clip.png" <<'PY' || fail "openai images"
import base64, json, sys
req = json.loads(open(sys.argv[1]).readlines()[-1])
shot = open(sys.argv[2], "rb").read()
clip = open(sys.argv[3], "rb").read()
urls = []
for m in req["messages"]:
    if m["role"] == "user" and isinstance(m["content"], list):
        for p in m["content"]:
            if p["type"] == "image_url":
                urls.append(p["image_url"]["url"])
pre = "data:image/png;base64,"
assert all(u.startswith(pre) for u in urls), urls
got = [base64.b64decode(u[len(pre):]) for u in urls]
# The first message's shot, the clipboard's, and the new one.
assert got == [shot, clip, shot], [len(g) for g in got]
PY
exit 0
