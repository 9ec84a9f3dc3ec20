//go:build !amd64 || purego

package asm

func attnScores(s, q, k []float32, scale float32) { attnScoresGeneric(s, q, k, scale) }

func attnAccum(out, p, v []float32, ldv int) { attnAccumGeneric(out, p, v, ldv) }
