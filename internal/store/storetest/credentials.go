package storetest

// credentialCases are the conformance cases of this capability.
func credentialCases() []testCase {
	return nil
}
