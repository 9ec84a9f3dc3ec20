module github.com/rltrain/rltrain/asm/_gen

go 1.26

replace github.com/rltrain/rltrain => ../..

require github.com/mmcloughlin/avo v0.5.0 // indirect
