// Command webapp is a tiny example application that signs users in with
// Gatehouse. Run it next to `gatehouse serve`; see the README.
package main

import (
	"context"
	"log"
	"net/http"
	"os"

	"github.com/gatehouse-auth/gatehouse/examples/webapp/app"
)

func main() {
	cfg := app.Config{
		Issuer:       os.Getenv("GATEHOUSE_ISSUER"),
		ClientID:     os.Getenv("GATEHOUSE_CLIENT_ID"),
		ClientSecret: os.Getenv("GATEHOUSE_CLIENT_SECRET"),
		URL:          "http://localhost:3000",
	}
	if cfg.Issuer == "" || cfg.ClientID == "" {
		log.Fatal("set GATEHOUSE_ISSUER, GATEHOUSE_CLIENT_ID and GATEHOUSE_CLIENT_SECRET (from `gatehouse project create --json`)")
	}
	a, err := app.New(context.Background(), cfg)
	if err != nil {
		log.Fatal(err)
	}
	log.Printf("example app on %s", cfg.URL)
	log.Fatal(http.ListenAndServe("127.0.0.1:3000", a.Handler()))
}
