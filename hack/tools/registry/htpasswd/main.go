// Command htpasswd prints one bcrypt htpasswd line for the registry's basic
// auth: `htpasswd USER < password`. It lives in the registry tools module
// because that module already depends on golang.org/x/crypto, which keeps the
// main module (and the sandbox driver) free of that dependency.
package main

import (
	"bufio"
	"fmt"
	"os"
	"strings"

	"golang.org/x/crypto/bcrypt"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintf(os.Stderr, "htpasswd: %v\n", err)
		os.Exit(1)
	}
}

func run() error {
	if len(os.Args) != 2 || os.Args[1] == "" {
		return fmt.Errorf("usage: htpasswd USER < PASSWORD")
	}
	password, err := bufio.NewReader(os.Stdin).ReadString('\n')
	if err != nil && password == "" {
		return fmt.Errorf("reading password from stdin: %w", err)
	}
	password = strings.TrimRight(password, "\r\n")
	if password == "" {
		return fmt.Errorf("empty password on stdin")
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.DefaultCost)
	if err != nil {
		return fmt.Errorf("hashing the password of %s: %w", os.Args[1], err)
	}
	fmt.Printf("%s:%s\n", os.Args[1], hash)
	return nil
}
