// Command pubsub-emulator serves Google's in-memory Pub/Sub fake (pstest) on a
// TCP port, so @google-cloud/pubsub can reach it through PUBSUB_EMULATOR_HOST.
package main

import (
	"flag"
	"log"
	"os"
	"os/signal"
	"syscall"

	"cloud.google.com/go/pubsub/v2/pstest"
)

func main() {
	port := flag.Int("port", 8085, "TCP port to listen on (loopback)")
	flag.Parse()

	srv := pstest.NewServerWithPort(*port)
	log.Printf("pstest listening on %s", srv.Addr)

	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGINT, syscall.SIGTERM)
	<-stop
	if err := srv.Close(); err != nil {
		log.Printf("close: %v", err)
	}
}
