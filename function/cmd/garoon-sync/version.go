package main

import (
	"encoding/json"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
)

const versionUsage = `Usage: garoon-sync version [--json]

Prints the build: module version, VCS revision when built from a checkout,
Go version and platform.

Examples:
  garoon-sync version
  garoon-sync version --json

Flags:
`

func cmdVersion(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("version")
	asJSON := fs.Bool("json", false, "print as JSON")
	if code, ok := parseFlags(fs, versionUsage, args, stdout, stderr); !ok {
		return code
	}
	v := map[string]string{"version": "(devel)", "go": runtime.Version(), "platform": runtime.GOOS + "/" + runtime.GOARCH}
	if bi, ok := debug.ReadBuildInfo(); ok {
		if bi.Main.Version != "" {
			v["version"] = bi.Main.Version
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				v["revision"] = s.Value
			case "vcs.time":
				v["time"] = s.Value
			case "vcs.modified":
				v["modified"] = s.Value
			}
		}
	}
	if *asJSON {
		b, _ := json.Marshal(v)
		fmt.Fprintln(stdout, string(b))
		return exitOK
	}
	fmt.Fprintf(stdout, "garoon-sync %s (%s, %s)", v["version"], v["go"], v["platform"])
	if r := v["revision"]; r != "" {
		fmt.Fprintf(stdout, " revision %s %s", r, v["time"])
		if v["modified"] == "true" {
			fmt.Fprint(stdout, " (modified)")
		}
	}
	fmt.Fprintln(stdout)
	return exitOK
}
