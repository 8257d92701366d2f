package storetest

// signingKeyCases are the conformance cases of this capability.
func signingKeyCases() []testCase {
	return nil
}
