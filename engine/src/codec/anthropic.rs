//! anthropic (skeleton).
use super::{json::Node, CodecError, RequestView, ResponseView, Api};
fn todo_shape(api: Api) -> CodecError { CodecError::Shape { api, reason: "not implemented yet".into() } }
/// Request.
pub fn request(_: &Node<'_>) -> Result<RequestView, CodecError> { Err(todo_shape(Api::Anthropic)) }
/// Response.
pub fn response(_: &Node<'_>) -> Result<ResponseView, CodecError> { Err(todo_shape(Api::Anthropic)) }
