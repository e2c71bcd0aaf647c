from linearcli.cli import main

main()
