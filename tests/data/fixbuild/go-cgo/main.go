// Command gocgo calls into C (cgo): the cross build needs the target's C compiler and libc.
package main

/*
#include <stdio.h>
static int twice(int x) { return 2 * x; }
*/
import "C"

import (
	"fmt"
	"runtime"
)

func main() {
	fmt.Printf("gocgo %d %s/%s\n", int(C.twice(21)), runtime.GOOS, runtime.GOARCH)
}
