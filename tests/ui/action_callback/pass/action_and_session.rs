#![deny(warnings)]

use chainrs::prelude::*;

#[derive(SessionState, Default, Serialize, Deserialize)]
struct Orders {
    approved: Vec<String>,
}

/// Approves the order named in the action's payload.
#[action_callback("approve")]
async fn approve(action: Action, orders: UserSession<Orders>) -> chainrs::Result<()> {
    let order = action.payload["order"].to_string();
    orders.update(|o| o.approved.push(order.clone())).await?;
    Message::new(format!("approved {order}")).send().await?;
    Ok(())
}

/// Rejects without looking at the action.
#[action_callback("reject")]
async fn reject() {}

fn main() {
    let _ = App::new().action_callback(approve).register(reject);
}
