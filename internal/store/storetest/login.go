package storetest

// loginCases are the conformance cases of this capability.
func loginCases() []testCase {
	return nil
}
