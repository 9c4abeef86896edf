package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"
)

// Exit codes: 0 success, 1 the work failed, 2 the command line was wrong, 130 interrupted.
const (
	exitOK        = 0
	exitFailure   = 1
	exitUsage     = 2
	exitInterrupt = 130
)

// usageError marks an error in the command line, as opposed to a failure of the work.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func usagef(format string, a ...any) error { return usageError{fmt.Errorf(format, a...)} }

func newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:           "musae",
		Short:         "Variational autoencoders for MNIST digits and MIDI melodies",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	root.AddCommand(
		// Verbs are added here, one file per verb.
		newTrainCmd(nil),
		newSampleCmd(),
		newInterpolateCmd(),
		newReconstructCmd(),
		newEvalCmd(),
		newManifoldCmd(),
		newBenchCmd(),
		newWeightsCmd(),
		newInspectCmd(),
		newDatasetsCmd(),
		newEncodeCmd(nil),
		newDecodeCmd(nil),
		newSimilarCmd(nil),
		newAttributeCmd(),
		newRestoreCmd("denoise"),
		newRestoreCmd("upscale"),
		newArithCmd(nil),
		newPlotCmd(nil),
		newScatterCmd(nil),
		newPianorollCmd(nil),
		newRenderCmd(nil),
		newExportCmd(nil),
		newServeCmd(nil),
	)
	return root
}

// run executes the CLI with args and returns the process exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	root := newRootCmd()
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return exitOK
	}
	fmt.Fprintf(stderr, "musae: %v\n", err)
	var ue usageError
	switch {
	case errors.As(err, &ue), isCobraUsage(err):
		return exitUsage
	case errors.Is(err, context.Canceled):
		return exitInterrupt
	}
	return exitFailure
}

// isCobraUsage tells the command-line errors cobra makes itself (an unknown verb, a wrong
// number of arguments) from failures of the work.
func isCobraUsage(err error) bool {
	msg := err.Error()
	return strings.HasPrefix(msg, "unknown command") || strings.Contains(msg, " arg(s), received ")
}
