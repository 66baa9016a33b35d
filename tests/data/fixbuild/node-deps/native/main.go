// archinfo: the native program of the archinfo-linux-<cpu> packages. It names the platform it was
// compiled for and the machine the kernel reports.
package main

import (
	"fmt"
	"runtime"
	"syscall"
)

func main() {
	var u syscall.Utsname
	machine := "?"
	if syscall.Uname(&u) == nil {
		b := make([]byte, 0, len(u.Machine))
		for _, c := range u.Machine {
			if c == 0 {
				break
			}
			b = append(b, byte(c))
		}
		machine = string(b)
	}
	fmt.Printf("archinfo for %s/%s on %s\n", runtime.GOOS, runtime.GOARCH, machine)
}
