//! OpenAI (skeleton).
use super::{json::Node, CodecError, RequestView, ResponseView, Api};
fn todo_shape(api: Api) -> CodecError { CodecError::Shape { api, reason: "not implemented yet".into() } }
/// Chat request.
pub fn chat_request(_: &Node<'_>) -> Result<RequestView, CodecError> { Err(todo_shape(Api::OpenaiChat)) }
/// Responses request.
pub fn responses_request(_: &Node<'_>) -> Result<RequestView, CodecError> { Err(todo_shape(Api::OpenaiResponses)) }
/// Embeddings request.
pub fn embeddings_request(_: &Node<'_>) -> Result<RequestView, CodecError> { Err(todo_shape(Api::OpenaiEmbeddings)) }
/// Chat response.
pub fn chat_response(_: &Node<'_>) -> Result<ResponseView, CodecError> { Err(todo_shape(Api::OpenaiChat)) }
/// Responses response.
pub fn responses_response(_: &Node<'_>) -> Result<ResponseView, CodecError> { Err(todo_shape(Api::OpenaiResponses)) }
