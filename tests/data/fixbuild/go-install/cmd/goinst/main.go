// Command goinst prints the platform it was built for.
package main

import (
	"fmt"
	"runtime"
)

func main() {
	fmt.Printf("goinst %s/%s\n", runtime.GOOS, runtime.GOARCH)
}
