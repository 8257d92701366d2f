package storetest

// oauthCases are the conformance cases of this capability.
func oauthCases() []testCase {
	return nil
}
