/*
 * fuzz-provider-responses.c: libFuzzer target for the OpenAI Responses
 * stream decoder: any bytes, as an SSE stream split by the first byte, must
 * decode without crashing or leaking, and an incomplete response must hold
 * no blocks.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../unit/wire.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	char	*dump;

	if (len < 1)
		return (0);
	dump = wire_decode(&provider_openai_responses, (const char *)data + 1,
	    len - 1, data[0] & 1 ? WIRE_RANDOM : WIRE_WHOLE, data[0]);
	if (strncmp(dump, "complete=0", 10) == 0 &&
	    (strstr(dump, "\ntool_use ") != NULL ||
	    strstr(dump, "\ntext [") != NULL ||
	    strstr(dump, "\nreasoning [") != NULL))
		abort();
	free(dump);
	return (0);
}
