package main

import (
	"fmt"
	goimage "image"
	_ "image/png"
	"os"
	"path/filepath"
	"strings"

	"musae/cmd/musae/internal/zoo"
	"musae/image"
)

// domainOfFiles returns the domain the inputs' extensions name (.png for digits; .mid,
// .midi or .kar for melodies), or "" when they name none or disagree.
func domainOfFiles(paths []string) string {
	domain := ""
	for _, p := range paths {
		d := ""
		switch strings.ToLower(filepath.Ext(p)) {
		case ".png":
			d = zoo.MNIST
		case ".mid", ".midi", ".kar", ".smf":
			d = zoo.Melody
		}
		if d == "" || (domain != "" && d != domain) {
			return ""
		}
		domain = d
	}
	return domain
}

// readDigits reads PNG pictures of digits as 28×28 intensities in MNIST's convention.
func readDigits(paths []string) ([][]float32, error) {
	var out [][]float32
	for _, p := range paths {
		f, err := os.Open(p)
		if err != nil {
			return nil, err
		}
		img, _, err := goimage.Decode(f)
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("read %s: not a PNG picture: %w", p, err)
		}
		out = append(out, image.FitDigit(img, 28, 28))
	}
	return out, nil
}
