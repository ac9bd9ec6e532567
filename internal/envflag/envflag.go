// Package envflag lets the flags of a flag.FlagSet fall back to environment
// variables, for programs that are configured either way, such as a server
// run from a container. A flag given on the command line wins over its
// variable, and the variable wins over the flag's default. It depends on
// the standard library only: flag, and os for the environment.
package envflag

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"sort"
)

// ErrUnknownFlag is returned by Parse when the map of variables names a flag
// the set does not define: a mistake of the program, not of its user.
var ErrUnknownFlag = errors.New("envflag: no such flag")

// Parse sets each flag of fs named in vars (flag name → variable name) from
// its environment variable, then parses args with fs, so that the command
// line overrides the environment. A variable that is unset or empty leaves
// the flag at its default. lookup reads a variable; nil means os.LookupEnv.
// A variable whose value the flag refuses is an error that names the
// variable but not its value, which may be a secret. Parse also appends
// " (env NAME)" to the usage text of each such flag, so that -h shows it.
func Parse(fs *flag.FlagSet, args []string, vars map[string]string, lookup func(string) (string, bool)) error {
	if lookup == nil {
		lookup = os.LookupEnv
	}
	names := make([]string, 0, len(vars))
	for name := range vars {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if fs.Lookup(name) == nil {
			return fmt.Errorf("%w: -%s", ErrUnknownFlag, name)
		}
	}
	for _, name := range names {
		env := vars[name]
		f := fs.Lookup(name)
		f.Usage += " (env " + env + ")"
		v, ok := lookup(env)
		if !ok || v == "" {
			continue
		}
		if err := fs.Set(name, v); err != nil {
			return fmt.Errorf("envflag: invalid value in %s for -%s", env, name)
		}
	}
	return fs.Parse(args)
}
