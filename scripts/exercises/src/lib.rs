//! Nothing here: the solutions are the examples, in solutions/.
