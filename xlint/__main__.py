from xlint.runcache import main

main()
