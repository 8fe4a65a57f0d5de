#ifndef SPROUT_SIGN_H
#define SPROUT_SIGN_H

#include <stddef.h>

/* ed25519 keys and detached signatures through libsodium (HAVE_SODIUM);
 * formats in docs/package.md. Without libsodium every function that needs
 * it returns -ENOTSUP with errf() saying so. */

/* Whether this sprout can make and check signatures. */
int sign_available(void);

/* Write a new key pair: prefix.key (secret, mode 0600, never overwritten)
 * and prefix.pub. *id receives the key id (16 hex digits and a NUL).
 * 0 or negative code. */
int sign_keygen(const char *prefix, char id[17]);

/* Sign the file at path with the secret key file key, writing path.sig.
 * 0 or negative code. */
int sign_file(const char *path, const char *key, char id[17]);

/* Check the signature sig (the text of a .sig file) of data against the
 * public keys (*.pub) in keydir. 0 when a key there made it; SPROUT_ERR_HASH with
 * errf() saying which key made it and that it does not match, or that no
 * key of keydir is that key; SPROUT_ERR_FORMAT for a malformed signature.
 * *id receives the signing key's id. */
int sign_verify(const void *data, size_t n, const char *sig, size_t siglen, const char *keydir, char id[17]);
/* As sign_verify with the keys' directory open as keydirfd (a negative
 * errno when it could not be opened), named keydir in messages; the key
 * files are not read through a link when nofollow. */
int sign_verify_at(const void *data, size_t n, const char *sig, size_t siglen, int keydirfd, const char *keydir,
		   int nofollow, char id[17]);

#endif
