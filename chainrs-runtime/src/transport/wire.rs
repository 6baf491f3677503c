//! A Socket.IO socket as the [`Wire`] of a session's chat link: events become `42[...]` frames,
//! asks are emitted with an ack id and their answer is awaited with the ask's timeout.

use std::time::Duration;

use serde_json::Value;
use socketioxide::extract::SocketRef;
use socketioxide::{AckError, SendError, SocketError};

use crate::error::Error;
use crate::protocol::{Payload, ServerEvent};
use crate::tab::{AskAnswer, Wire, WireError};

/// How often a waiting ask looks whether its socket is still connected.
const LEFT_POLL: Duration = Duration::from_millis(200);

/// One connected socket.
pub(super) struct SocketWire(pub(super) SocketRef);

fn wire_error(err: SendError) -> WireError {
    match err {
        SendError::Socket(SocketError::InternalChannelFull) => WireError::Full,
        SendError::Socket(SocketError::Closed) => WireError::Closed,
        SendError::Serialize(err) => WireError::Invalid(err.to_string()),
    }
}

impl Wire for SocketWire {
    fn send(&self, event: &ServerEvent) -> Result<(), WireError> {
        self.0
            .emit(event.name(), &Payload(event))
            .map_err(wire_error)
    }

    fn ask(&self, event: &ServerEvent, timeout: Duration) -> Result<AskAnswer, WireError> {
        let stream = self
            .0
            .timeout(timeout)
            .emit_with_ack::<_, Value>(event.name(), &Payload(event))
            .map_err(wire_error)?;
        let socket = self.0.clone();
        Ok(Box::pin(async move {
            // socketioxide keeps an ack waiting until its timeout even when the socket closes:
            // a tab that left is seen here, so the question can be asked again where it goes.
            let left = async {
                while socket.connected() {
                    tokio::time::sleep(LEFT_POLL).await;
                }
            };
            let answered = tokio::select! {
                answered = stream => answered,
                () = left => return Err(Error::TabLeft),
            };
            match answered {
                Ok(value) => Ok(Some(value)),
                Err(AckError::Timeout) => Ok(None),
                Err(AckError::Decode(err)) => Err(Error::BadRequest(format!(
                    "the client's answer to ask is not JSON: {err}"
                ))),
                Err(AckError::Socket(_)) => Err(Error::TabLeft),
            }
        }))
    }

    fn close(&self) {
        let _ = self.0.clone().disconnect();
    }
}
