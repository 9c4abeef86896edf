package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"musae/latent/domain"
	"musae/latent/domain/digits"
	"musae/latent/domain/drums"
	"musae/latent/domain/groove"
	"musae/latent/domain/melody"
	"musae/latent/domain/phrase"
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

// builtinDomains are the domains musae knows; a new domain is its package and one line
// here.
func builtinDomains() *domain.Registry {
	return domain.NewRegistry(
		digits.New(),
		melody.New(),
		drums.New(),
		groove.New(),
		phrase.New(),
	)
}

func newRootCmd(reg *domain.Registry) *cobra.Command {
	root := &cobra.Command{
		Use:           "musae",
		Short:         "Variational autoencoders for " + strings.Join(nouns(reg.Domains(), nil), " and "),
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	root.AddCommand(
		// Verbs are added here, one file per verb.
		newTrainCmd(reg, nil),
		newSampleCmd(reg),
		newInterpolateCmd(reg, nil),
		newReconstructCmd(reg),
		newEvalCmd(reg),
		newManifoldCmd(reg),
		newBenchCmd(reg),
		newWeightsCmd(reg),
		newInspectCmd(),
		newDatasetsCmd(),
		newEncodeCmd(reg, nil),
		newDecodeCmd(reg, nil),
		newSimilarCmd(reg, nil),
		newAttributeCmd(reg),
		newArithCmd(reg, nil),
		newPlotCmd(nil),
		newScatterCmd(reg, nil),
		newPianorollCmd(nil),
		newRenderCmd(nil),
		newExportCmd(nil),
		newServeCmd(reg, nil),
		newInfillCmd(reg, false, nil),
		newInfillCmd(reg, true, nil),
	)
	root.AddCommand(transformCmds(reg)...)
	return root
}

// run executes the CLI with args and returns the process exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return runWith(ctx, builtinDomains(), args, stdout, stderr)
}

// runWith is run over the domains of reg.
func runWith(ctx context.Context, reg *domain.Registry, args []string, stdout, stderr io.Writer) int {
	root := newRootCmd(reg)
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
	case errors.As(err, &ue), domain.IsInputError(err), isCobraUsage(err):
		return exitUsage
	case errors.Is(err, context.Canceled), ctx.Err() != nil:
		// A library between the verb and its writer (gomidi's, say) may not wrap the
		// context's error; a failure after Ctrl-C is the interruption all the same.
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
