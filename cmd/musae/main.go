// Command musae trains variational autoencoders on MNIST digits and MIDI melodies,
// and samples, interpolates and explores their latent spaces.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	// Ctrl-C, or a polite kill (a service manager stopping `musae serve`), cancels the
	// context: training writes its checkpoint, serve removes its uploads' folder.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
