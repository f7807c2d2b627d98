// Command garoon-sync is the command-line face of garoon-calendar-sync: it
// parses Garoon notification mails, runs the same sync engine as the Lambda
// function (optionally as a dry run), and shows the whole pipeline on
// in-process fakes with `demo`.
package main

import (
	"fmt"
	"io"
	"os"
	// The user's Garoon time zone (garoon_time_zone, parse --time-zone) is
	// loaded with time.LoadLocation, which reads the system's zoneinfo;
	// time/tzdata embeds a copy used when the system has none
	// (https://pkg.go.dev/time/tzdata).
	_ "time/tzdata"
)

// Exit codes, the same for every command.
const (
	exitOK    = 0
	exitFail  = 1 // the command ran and something failed
	exitUsage = 2 // bad flags or arguments
)

type command struct {
	name    string
	summary string
	run     func(args []string, stdout, stderr io.Writer) int
}

func commands() []command {
	return []command{
		{"run", "run one sync (or --dry-run to print the plan): Gmail → Google Calendar", cmdRun},
		{"demo", "the whole pipeline on in-process fakes: no accounts, no network", cmdDemo},
		{"parse", "parse Garoon notification mails (.eml) and print one JSON object per file", cmdParse},
		{"authorize", "get a Google refresh token in the browser (loopback + PKCE)", cmdAuthorize},
		{"secret", "put or check the environment's Secrets Manager secret, never printing values", cmdSecret},
		{"doctor", "check the secret, Gmail, the Google token, calendar write access and the last run, one line each", cmdDoctor},
		{"version", "print build information", cmdVersion},
	}
}

func main() {
	os.Exit(dispatch(os.Args[1:], os.Stdout, os.Stderr))
}

func dispatch(args []string, stdout, stderr io.Writer) int {
	if len(args) == 2 && args[0] == "help" && args[1] != "help" {
		// `garoon-sync help run` is `garoon-sync run --help`.
		return dispatch([]string{args[1], "--help"}, stdout, stderr)
	}
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stdout)
		if len(args) == 0 {
			return exitUsage
		}
		return exitOK
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return c.run(args[1:], stdout, stderr)
		}
	}
	var names []string
	for _, c := range commands() {
		names = append(names, c.name)
	}
	fmt.Fprintf(stderr, "garoon-sync: unknown command %q", args[0])
	if s := closest(args[0], names); s != "" {
		fmt.Fprintf(stderr, " (did you mean %s?)", s)
	}
	fmt.Fprintln(stderr, "; see garoon-sync --help")
	return exitUsage
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "garoon-sync copies Cybozu Garoon schedule-notification mails from Gmail into Google Calendar.")
	fmt.Fprintln(w, "\nUsage: garoon-sync <command> [flags] [args]\n\nCommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nRun `garoon-sync <command> --help` for a command's flags and examples.")
}
