package main

import (
	"bytes"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRun(t *testing.T) {
	var out bytes.Buffer
	now := func() time.Time { return time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC) }
	require.NoError(t, run(&out, now))
	assert.Equal(t, "token: eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."+
		"eyJzdWIiOiI0MiIsImV4cCI6MTc0ODc3OTUwMCwiaWF0IjoxNzQ4Nzc5MjAwLCJyb2xlIjoiYWRtaW4ifQ."+
		"OUkT3lOjLAddgq7TWk8V9rRJR0YvXw7DsRJVeYBKEVo\n"+
		"subject 42, role admin, expires 2025-06-01T12:05:00Z\n", out.String())
}
