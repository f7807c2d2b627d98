package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

// newFlags is a command's flag set. It prints nothing itself: parseFlags
// decides where the usage goes.
func newFlags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return fs
}

// parseFlags parses a command's flags. Asked for (-h, --help), the usage
// goes to stdout and the command succeeds, so `garoon-sync run --help | less`
// works; after a bad flag, the error, a "did you mean" when a defined flag
// is close, and the usage go to stderr with exit status 2. ok is false when
// the command must return code.
func parseFlags(fs *flag.FlagSet, usage string, args []string, stdout, stderr io.Writer) (code int, ok bool) {
	err := fs.Parse(args)
	switch {
	case err == nil:
		return exitOK, true
	case errors.Is(err, flag.ErrHelp):
		printUsage(stdout, fs, usage)
		return exitOK, false
	}
	fmt.Fprintf(stderr, "garoon-sync %s: %v\n", fs.Name(), err)
	if s := suggestFlag(fs, err); s != "" {
		fmt.Fprintf(stderr, "Did you mean --%s?\n", s)
	}
	fmt.Fprintln(stderr)
	printUsage(stderr, fs, usage)
	return exitUsage, false
}

func printUsage(w io.Writer, fs *flag.FlagSet, usage string) {
	fmt.Fprint(w, usage)
	fs.SetOutput(w)
	fs.PrintDefaults()
	fs.SetOutput(io.Discard)
}

// suggestFlag is the defined flag closest to the unknown one err names, or
// "". The text is the flag package's ("flag provided but not defined: -x",
// src/flag/flag.go, FlagSet.parseOne).
func suggestFlag(fs *flag.FlagSet, err error) string {
	name, ok := strings.CutPrefix(err.Error(), "flag provided but not defined: ")
	if !ok {
		return ""
	}
	var names []string
	fs.VisitAll(func(f *flag.Flag) { names = append(names, f.Name) })
	return closest(strings.TrimLeft(name, "-"), names)
}

// closest is the candidate within two edits of s (a typo, a missing or an
// extra letter), or the only candidate s is a prefix of; "" if none.
func closest(s string, candidates []string) string {
	best, bestDist := "", 3
	var prefixed []string
	for _, c := range candidates {
		if d := editDistance(s, c); d < bestDist {
			best, bestDist = c, d
		}
		if len(s) >= 2 && strings.HasPrefix(c, s) {
			prefixed = append(prefixed, c)
		}
	}
	if best == "" && len(prefixed) == 1 {
		return prefixed[0]
	}
	return best
}

// editDistance is the Levenshtein distance between a and b.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur := make([]int, len(rb)+1)
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(rb)]
}
