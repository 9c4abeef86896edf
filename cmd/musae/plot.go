package main

import (
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"
)

type plotOptions struct {
	Log, Out string
}

func newPlotCmd(runF func(*plotOptions) error) *cobra.Command {
	o := &plotOptions{}
	cmd := &cobra.Command{
		Use:   "plot MODEL.log.csv [-o curves.png]",
		Short: "Draw the loss curves of a training log",
		Long: `Draw the training loss, its reconstruction and KL terms, and the validation loss, in
nats against the step, from the CSV log that train writes beside its checkpoint
(MODEL.log.csv). The default output is MODEL.loss.png in the current folder.`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usagef("plot takes one training log (MODEL.log.csv), got %d arguments", len(args))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Log = args[0]
			if o.Out == "" {
				base := filepath.Base(o.Log)
				if stem, ok := strings.CutSuffix(base, ".log.csv"); ok {
					o.Out = stem + ".loss.png"
				} else {
					o.Out = withExt(base, ".png")
				}
			}
			if !strings.EqualFold(filepath.Ext(o.Out), ".png") {
				return usagef("-o %s: the plot is a PNG picture (.png)", o.Out)
			}
			if runF != nil {
				return runF(o)
			}
			return runPlot(o, cmd.OutOrStdout())
		},
	}
	cmd.Flags().StringVarP(&o.Out, "output", "o", "", "output PNG (default: MODEL.loss.png)")
	return cmd
}

func runPlot(o *plotOptions, stdout io.Writer) error {
	steps, err := checkTrainingLog(o.Log)
	if err != nil {
		return err
	}
	if err := plotLog(o.Log, o.Out); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s: loss curves of %s (%d logged steps)\n", o.Out, o.Log, steps)
	return nil
}

// checkTrainingLog makes sure path is a training log plotLog can draw, and returns its
// number of rows.
func checkTrainingLog(path string) (int, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.FieldsPerRecord = -1
	rows, err := r.ReadAll()
	if err != nil {
		return 0, fmt.Errorf("read %s: %w", path, err)
	}
	want := []string{"step", "split", "loss", "reconstruction", "kl"}
	if len(rows) == 0 {
		return 0, fmt.Errorf("%s is empty: want a training log with columns %s", path, strings.Join(want, ", "))
	}
	for _, c := range want {
		if !slices.Contains(rows[0], c) {
			return 0, fmt.Errorf("%s is not a training log: its first line lacks the column %q (want %s, as train writes)", path, c, strings.Join(want, ", "))
		}
	}
	for i, row := range rows[1:] {
		if len(row) != len(rows[0]) {
			return 0, fmt.Errorf("%s: line %d has %d fields, the header %d", path, i+2, len(row), len(rows[0]))
		}
	}
	if len(rows) < 2 {
		return 0, fmt.Errorf("%s has no rows yet: nothing to plot", path)
	}
	return len(rows) - 1, nil
}
