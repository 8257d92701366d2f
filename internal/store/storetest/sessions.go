package storetest

// sessionCases are the conformance cases of this capability.
func sessionCases() []testCase {
	return nil
}
