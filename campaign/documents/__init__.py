"""Official documents (公文): the GB/T 9704—2012 .docx builder and the PDF conversion."""
