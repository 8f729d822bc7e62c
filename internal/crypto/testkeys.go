package crypto

// InsecureTestKeyring is a keyring with fixed, published keys, for tests and
// committed test histories only. Never configure these keys.
func InsecureTestKeyring() *Keyring {
	k, err := ParseKeyring("test:"+insecureTestMaster, insecureTestIndex)
	if err != nil {
		panic(err)
	}
	return k
}

const (
	insecureTestMaster = "dGVzdC1tYXN0ZXIta2V5LWRvLW5vdC11c2UtMDAwMDA="
	insecureTestIndex  = "dGVzdC1pbmRleC1rZXktZG8tbm90LXVzZS0wMDAwMDA="
)
