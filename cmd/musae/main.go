// Command musae trains variational autoencoders on MNIST digits and MIDI melodies,
// and samples, interpolates and explores their latent spaces.
package main

import (
	"context"
	"os"
	"os/signal"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
