package ticketing

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"strings"
)

// Provider credentials kept in the database are sealed with AES-256-GCM
// under a key derived (HKDF-SHA256) from secret.key, which lives beside the
// database and not in it: a copy of the database alone holds no usable key.
// A sealed value is sealPrefix followed by base64(nonce | ciphertext); the
// setting's name is bound to it, so a value cannot be moved to another key.

const sealPrefix = "enc:v1:"

// sealInfo names the purpose of the derived key (the same secret keys the
// access tokens, with HMAC, for another purpose).
const sealInfo = "admit stored settings v1"

type sealer struct{ aead cipher.AEAD }

func newSealer(secret []byte) (*sealer, error) {
	key, err := hkdf.Key(sha256.New, secret, nil, sealInfo, 32)
	if err != nil {
		return nil, fmt.Errorf("ticketing: derive the settings key: %w", err)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &sealer{aead: aead}, nil
}

// sealed reports whether a stored value is sealed already.
func sealed(stored string) bool { return strings.HasPrefix(stored, sealPrefix) }

// seal encrypts the value of the setting name.
func (s *sealer) seal(name, value string) string {
	nonce := make([]byte, s.aead.NonceSize())
	_, _ = rand.Read(nonce) // never fails (crypto/rand)
	return sealPrefix + base64.RawStdEncoding.EncodeToString(s.aead.Seal(nonce, nonce, []byte(value), []byte(name)))
}

// open gives a stored value in clear: a sealed one decrypted, a plain one
// (stored before values were sealed) as it is.
func (s *sealer) open(name, stored string) (string, error) {
	b64, ok := strings.CutPrefix(stored, sealPrefix)
	if !ok {
		return stored, nil
	}
	raw, err := base64.RawStdEncoding.DecodeString(b64)
	n := s.aead.NonceSize()
	if err == nil && len(raw) >= n {
		var plain []byte
		if plain, err = s.aead.Open(nil, raw[:n], raw[n:], []byte(name)); err == nil {
			return string(plain), nil
		}
	}
	return "", fmt.Errorf("the stored setting %s cannot be decrypted with this secret.key (in data.dir): it is not the key "+
		"the setting was stored with, and with it the access links of new emails would not open either. "+
		"Restore the secret.key that belongs to this database", name)
}
