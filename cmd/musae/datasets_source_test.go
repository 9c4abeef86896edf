package main

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"testing"

	"musae/midi"
	"musae/models"
)

// TestDatasetsExportSourceIsAbsolute exports a folder named relative to the working
// directory: the file records the folder's absolute path, so that a model trained on it
// elsewhere (models/torch's trainer) can name it for musae eval.
func TestDatasetsExportSourceIsAbsolute(t *testing.T) {
	root := t.TempDir()
	t.Chdir(root)
	if err := os.Mkdir("songs", 0o755); err != nil {
		t.Fatal(err)
	}
	var m midi.Melody
	for j := range 16 {
		m = append(m, midi.NoteOnClass(60+j%5), 0, 0, 0)
	}
	if err := midi.WriteFile(filepath.Join("songs", "a.mid"), 120, m); err != nil {
		t.Fatal(err)
	}
	if code := run(context.Background(), []string{"datasets", "export", "songs", "-o", "w.safetensors", "--no-cache", "--validation-share", "0"}, io.Discard, io.Discard); code != exitOK {
		t.Fatalf("export: exit %d", code)
	}
	_, meta, err := models.ReadTensors("w.safetensors")
	if err != nil {
		t.Fatal(err)
	}
	want, _ := filepath.Abs("songs")
	if meta["source"] != want {
		t.Errorf("source %q, want %q", meta["source"], want)
	}
}
