use chainrs::prelude::*;

#[on_stop(immediately = true)]
async fn stop() {}

fn main() {}
