package main

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRun(t *testing.T) {
	var out strings.Builder
	require.NoError(t, run(&out))
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	var results []string
	for _, l := range lines {
		if _, r, ok := strings.Cut(l, " -> "); ok {
			results = append(results, r)
		}
	}
	assert.Equal(t, []string{
		"200 hello, alice", // first key
		"200 hello, alice", // promoted key
		"200 hello, alice", // old token after rotation
		"401 unknown key",  // old token after its key left the set
		"401 unknown key",  // new token of the retired key
		"200 hello, alice", // current key
	}, results, out.String())
	assert.Contains(t, out.String(), "refreshed its copy of the JWKS in the background")
}
