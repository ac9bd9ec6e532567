// Package codec is the claims codec of package jwt: a decoder and an
// encoder for the registered claims of RFC 7519 that do not use
// reflection, the direct setting of the string, number and boolean fields
// of a struct that embeds the claims type, and a reader of payloads into a
// map[string]any.
//
// They cover the payloads real issuers write (ASCII names and strings
// without escapes, integer dates, aud as a string or an array of strings)
// and give up on anything else, which the caller then hands to the strict
// JSON scanner (internal/strictjson) and encoding/json. They never refuse:
// a payload the codec does not take is not judged by it, so the fast paths
// and the plain one make the same decisions, which the jwt package's
// differential tests check.
//
// The codec knows the jwt package's Claims only as a reflect.Type given to
// [NewTypes] and as the field-for-field copy [Registered]; it depends on
// the standard library only.
package codec
