package storetest

// mailCases are the conformance cases of this capability.
func mailCases() []testCase {
	return nil
}
