// What a binary's shim calls (bin/): runs main with the command line, exits with its code.
export function runMain(main: (argv: readonly string[]) => Promise<number>): void {
  void main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
