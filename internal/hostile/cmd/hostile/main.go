// Command hostile writes the generated part of the hostile-input corpus into
// a folder, to look at the files or feed them to logsift by hand:
//
//	go run ./internal/hostile/cmd/hostile /tmp/hostile
//	go run ./cmd/logsift analyze /tmp/hostile/injection.log
package main

import (
	"fmt"
	"os"

	"github.com/logsift/logsift/internal/hostile"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: hostile DIR")
		os.Exit(2)
	}
	if err := os.MkdirAll(os.Args[1], 0o755); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if err := hostile.Write(os.Args[1]); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
