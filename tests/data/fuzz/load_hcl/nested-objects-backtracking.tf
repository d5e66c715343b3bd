tenauired= {OOOOOO -jm=0 -jm<= {njmired= {OOOOOO -jm=0 -jm<= {njm<njm<=  { { //
-jmrrafonjm<nnjm<= OOOOOOOOOOOOO -jm<= {njm<njm<=  { { //
-jmrrafonjm<njm<=  { { {n -jmrrafor<njm<=  { { //
-jmrrafonjm<nnjm<= OOOOOOOOOOOOO -jm<= {njm<njm<=  { {enauired= {OOOOOO -jm=0 -jm<= {njmired= {OOOOOO -jm=0 -jm<= {njm<njm<=  { { //
-jmrrafonjm<nnjm<= OOOOOOOOOOOOO -jm<= {njm<nnjm<=  { { //
-jmrrafonjm<nnjm<= OOOOOOOOOOOOO -jm<= {njm<njm<=  { { //
-jmrrafonjm<njm<=  { { {n -jmrrafor<njm<=  { { //
-jmrrafonjm<nnjm<= OOOOOOOOOOOOO -jm<= {mrrafonjm<njm<=  { { {n -jmrraforq=