package server

import (
	"fmt"
	"net/http"
)

const DefaultPort = 8080

var started bool

type Server struct {
	Addr string
}

type Handler interface {
	Serve(w http.ResponseWriter)
}

type Port int

func New(addr string) *Server {
	local := 1
	_ = local
	return &Server{Addr: addr}
}

func (s *Server) Start() error {
	started = true
	return fmt.Errorf("not implemented: %s", s.Addr)
}
