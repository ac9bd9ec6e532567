package envflag_test

import (
	"flag"
	"io"
	"testing"
	"time"

	"github.com/jwtpair/jwt/internal/envflag"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type config struct {
	addr   string
	ttl    time.Duration
	rotate bool
}

func newSet(c *config) *flag.FlagSet {
	fs := flag.NewFlagSet("server", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&c.addr, "addr", "127.0.0.1:8000", "listen address")
	fs.DurationVar(&c.ttl, "access-ttl", 5*time.Minute, "access token lifetime")
	fs.BoolVar(&c.rotate, "rotate", false, "rotate refresh tokens")
	return fs
}

var vars = map[string]string{"addr": "ADDR", "access-ttl": "ACCESS_TTL", "rotate": "ROTATE_REFRESH"}

func env(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) {
		v, ok := m[k]
		return v, ok
	}
}

func TestParsePrecedence(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		args []string
		want config
	}{
		{name: "defaults", want: config{addr: "127.0.0.1:8000", ttl: 5 * time.Minute}},
		{name: "environment over default", env: map[string]string{"ADDR": ":9000", "ACCESS_TTL": "1m", "ROTATE_REFRESH": "true"},
			want: config{addr: ":9000", ttl: time.Minute, rotate: true}},
		{name: "command line over environment", env: map[string]string{"ADDR": ":9000", "ROTATE_REFRESH": "true"}, args: []string{"-addr", ":7000", "-rotate=false"},
			want: config{addr: ":7000", ttl: 5 * time.Minute}},
		{name: "empty variable counts as unset", env: map[string]string{"ADDR": ""}, want: config{addr: "127.0.0.1:8000", ttl: 5 * time.Minute}},
		{name: "variables of other flags ignored", env: map[string]string{"JWT_ALG": "RS256"}, want: config{addr: "127.0.0.1:8000", ttl: 5 * time.Minute}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var c config
			fs := newSet(&c)
			require.NoError(t, envflag.Parse(fs, tt.args, vars, env(tt.env)))
			assert.Equal(t, tt.want, c)
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name    string
		vars    map[string]string
		env     map[string]string
		args    []string
		wantErr string
		wantIs  error
	}{
		{name: "bad value names the variable, not the value", vars: vars, env: map[string]string{"ACCESS_TTL": "s3cret"},
			wantErr: "envflag: invalid value in ACCESS_TTL for -access-ttl"},
		{name: "unknown flag in map", vars: map[string]string{"port": "PORT"}, wantErr: "envflag: no such flag: -port", wantIs: envflag.ErrUnknownFlag},
		{name: "command line error", vars: vars, args: []string{"-nope"}, wantErr: "flag provided but not defined: -nope"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var c config
			err := envflag.Parse(newSet(&c), tt.args, tt.vars, env(tt.env))
			require.EqualError(t, err, tt.wantErr)
			if tt.wantIs != nil {
				require.ErrorIs(t, err, tt.wantIs)
			}
		})
	}
}

func TestParseShowsVariableInUsage(t *testing.T) {
	var c config
	fs := newSet(&c)
	require.NoError(t, envflag.Parse(fs, nil, vars, env(nil)))
	assert.Equal(t, "listen address (env ADDR)", fs.Lookup("addr").Usage)
}

func TestParseNilLookupReadsEnvironment(t *testing.T) {
	t.Setenv("ENVFLAG_TEST_ADDR", ":6000")
	var c config
	fs := newSet(&c)
	require.NoError(t, envflag.Parse(fs, nil, map[string]string{"addr": "ENVFLAG_TEST_ADDR"}, nil))
	assert.Equal(t, ":6000", c.addr)
}
