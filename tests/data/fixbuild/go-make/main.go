// Command gomake prints the platform it was built for and the version make stamped into it.
package main

import (
	"fmt"
	"runtime"
)

var version = "dev"

func main() {
	fmt.Printf("gomake %s %s/%s\n", version, runtime.GOOS, runtime.GOARCH)
}
