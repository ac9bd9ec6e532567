package jwt

// CheckJSON exposes checkJSON to the external tests, which compare it with
// encoding/json under the fuzzer.
func CheckJSON(data []byte) bool { return checkJSON(data, nil) }

// MaxDepth is the nesting bound of checkJSON.
const MaxDepth = maxDepth
