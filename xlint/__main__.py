from xlint.cli import main

main()
