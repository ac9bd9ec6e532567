package redisstore

// RefreshScript is the script of Store.Refresh, for the tests that load
// it ahead or recognise it on the wire.
var RefreshScript = refreshScript

// CreateScript is the script of Store.Create.
var CreateScript = createScript
