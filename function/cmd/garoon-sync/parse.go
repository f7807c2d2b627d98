package main

import (
	"fmt"
	"io"
)

// cmdParse is implemented with the parser (issue: parser).
func cmdParse(args []string, stdout, stderr io.Writer) int {
	fmt.Fprintln(stderr, "garoon-sync parse: not implemented yet")
	return exitFail
}
