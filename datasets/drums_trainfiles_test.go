package datasets

import "testing"

// TestTrainFiles: the files that gave windows and are not held out.
func TestTrainFiles(t *testing.T) {
	c := &DrumCorpus{Files: []DrumFile{{Path: "a"}, {Path: "b", Validation: true}, {Path: "c"}}}
	if n := c.TrainFiles(); n != 2 {
		t.Errorf("TrainFiles = %d, want 2", n)
	}
	if n := (&DrumCorpus{}).TrainFiles(); n != 0 {
		t.Errorf("no files: TrainFiles = %d", n)
	}
}
