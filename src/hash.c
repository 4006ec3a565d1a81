/* hash.c: SHA-256 digests (OpenSSL's libcrypto, which libcurl already uses). */
#include <openssl/evp.h>

#include "agentos.h"
#include "banned.h"

char *
hash_sha256_hex(const void *data, size_t len)
{
	unsigned char	 md[EVP_MAX_MD_SIZE];
	unsigned int	 mdlen = 0, i;
	char		*hex;

	if (EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL) != 1)
		fatalx("EVP_Digest(sha256) failed");
	hex = xmalloc(mdlen * 2 + 1);
	for (i = 0; i < mdlen; i++)
		xsnprintf(hex + i * 2, 3, "%02x", md[i]);
	return (hex);
}
