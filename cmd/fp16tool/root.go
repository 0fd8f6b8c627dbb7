package main

// How commands are organized
//
// Each subcommand lives in its own file in this package and registers a
// constructor from an init function:
//
//	func init() { register(newConvertCmd) }
//
//	func newConvertCmd() *cobra.Command {
//		var opts struct{ ... }
//		cmd := &cobra.Command{Use: "convert MODEL -o OUT", Short: "...", Example: "...",
//			Args: cobra.ExactArgs(1), RunE: func(cmd *cobra.Command, args []string) error { ... }}
//		cmd.Flags()...
//		return cmd
//	}
//
// newRootCmd builds a fresh command tree from the registered constructors
// on every call, so flag values never leak between in-process test runs;
// keep flag variables local to the constructor, not package globals.
//
// Conventions for commands:
//   - Write results to cmd.OutOrStdout() and diagnostics to
//     cmd.ErrOrStderr(), or use infof (hidden by --quiet) and debugf (shown
//     with -v); never os.Stdout/os.Stderr directly.
//   - Return errors from RunE; never print them yourself, never call
//     os.Exit or log.Fatal. execute prints every error as one line
//     "fp16tool: <error>" on stderr and exits with status 1. Errors should
//     name the file, op or tensor and say what is wrong.
//   - Validate arguments with cobra.ExactArgs & co., give Example text.
//   - Shell completion comes from cobra's built-in `completion` command;
//     give flags that take files ValidArgsFunction/MarkFlagFilename hints
//     where useful.

import (
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"
)

// version is set at build time with
// -ldflags "-X main.version=v1.2.3"; otherwise the module version or
// VCS revision from the build info is used.
var version = ""

// commands are the registered subcommand constructors.
var commands []func() *cobra.Command

// register adds a subcommand constructor; call it from an init function.
func register(newCmd func() *cobra.Command) { commands = append(commands, newCmd) }

func init() { register(newVersionCmd) }

// newRootCmd builds the whole command tree.
func newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:   "fp16tool",
		Short: "Quantize, run and inspect TensorFlow Lite models",
		Long: `fp16tool quantizes TensorFlow Lite models after training (float16 weights for
GPUs, int8 dynamic range and full integer for CPUs and NPUs) and runs,
benchmarks and compares them on a CPU and a Vulkan GPU backend.`,
		Example: `  # Summarize a model: inputs, outputs, ops, MACs, metadata
  fp16tool inspect model.tflite
  fp16tool inspect model.tflite --json

  # Print the version
  fp16tool version

  # Enable bash completion for this shell
  source <(fp16tool completion bash)`,
		Version:       versionString(),
		SilenceErrors: true,
		SilenceUsage:  true,
	}
	root.SetVersionTemplate("fp16tool {{.Version}}\n")
	root.PersistentFlags().BoolP("quiet", "q", false, "print only results and errors")
	root.PersistentFlags().CountP("verbose", "v", "print more diagnostics (repeat for more)")
	root.MarkFlagsMutuallyExclusive("quiet", "verbose")
	for _, newCmd := range commands {
		root.AddCommand(newCmd())
	}
	return root
}

// execute runs the command line args with the given output streams and
// returns the exit status: 0 on success, 1 on any error (printed as one
// line "fp16tool: <error>" on stderr). A panic is reported the same way,
// without a stack trace.
func execute(args []string, stdout, stderr io.Writer) (status int) {
	defer func() {
		if p := recover(); p != nil {
			fmt.Fprintf(stderr, "fp16tool: internal error: %s\n", oneLine(fmt.Sprint(p)))
			status = 1
		}
	}()
	root := newRootCmd()
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	if err := root.Execute(); err != nil {
		fmt.Fprintf(stderr, "fp16tool: %s\n", oneLine(err.Error()))
		return 1
	}
	return 0
}

// oneLine joins the lines of s with "; " and trims blank space, so that
// every error prints as one line.
func oneLine(s string) string {
	var parts []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			parts = append(parts, l)
		}
	}
	return strings.Join(parts, "; ")
}

// infof prints a diagnostic on stderr unless --quiet is set.
func infof(cmd *cobra.Command, format string, args ...any) {
	if q, _ := cmd.Flags().GetBool("quiet"); q {
		return
	}
	fmt.Fprintf(cmd.ErrOrStderr(), format+"\n", args...)
}

// debugf prints a diagnostic on stderr when -v was given at least level
// times.
func debugf(cmd *cobra.Command, level int, format string, args ...any) {
	if v, _ := cmd.Flags().GetCount("verbose"); v >= level {
		fmt.Fprintf(cmd.ErrOrStderr(), format+"\n", args...)
	}
}

// versionString is the program version: the -ldflags value, else the
// module version and VCS revision from the build info.
func versionString() string {
	v := version
	info, ok := debug.ReadBuildInfo()
	if v == "" && ok {
		v = info.Main.Version
	}
	if v == "" {
		v = "(devel)"
	}
	if ok {
		var rev, dirty string
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.modified":
				if s.Value == "true" {
					dirty = "-dirty"
				}
			}
		}
		if len(rev) > 12 {
			rev = rev[:12]
		}
		if rev != "" && !strings.Contains(v, rev) {
			v += " " + rev + dirty
		}
	}
	return v
}

func newVersionCmd() *cobra.Command {
	return &cobra.Command{
		Use:     "version",
		Short:   "Print the version of fp16tool",
		Example: "  fp16tool version",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, err := fmt.Fprintf(cmd.OutOrStdout(), "fp16tool %s (%s %s/%s)\n", versionString(), runtime.Version(), runtime.GOOS, runtime.GOARCH)
			return err
		},
	}
}
